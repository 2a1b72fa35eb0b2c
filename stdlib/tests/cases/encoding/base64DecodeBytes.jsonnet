// Edge cases of std.base64DecodeBytes, each field named after its expression.
{
  "std.base64DecodeBytes(\"AQID\")": std.base64DecodeBytes("AQID"),
  "std.base64DecodeBytes(\"AQ==\")": std.base64DecodeBytes("AQ=="),
  "std.base64DecodeBytes(\"AQ==AQ==\")": std.base64DecodeBytes("AQ==AQ=="),
  "std.base64DecodeBytes(\"\")": std.base64DecodeBytes(""),
  "std.base64DecodeBytes(\"AQI=\")": std.base64DecodeBytes("AQI="),
  "std.base64DecodeBytes(\"AQJ=\")": std.base64DecodeBytes("AQJ="),
  "std.base64DecodeBytes(\"//79\")": std.base64DecodeBytes("//79"),
  "std.base64DecodeBytes(\"AAAA\")": std.base64DecodeBytes("AAAA"),
}
