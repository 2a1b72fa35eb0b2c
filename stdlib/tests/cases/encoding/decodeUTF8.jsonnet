// Edge cases of std.decodeUTF8, each field named after its expression.
{
  "std.decodeUTF8([104, 195, 169])": std.decodeUTF8([104, 195, 169]),
  "std.decodeUTF8([255])": std.decodeUTF8([255]),
  "std.decodeUTF8([195])": std.decodeUTF8([195]),
  "std.decodeUTF8([])": std.decodeUTF8([]),
  "std.decodeUTF8([240, 159, 152, 128])": std.decodeUTF8([240, 159, 152, 128]),
  "std.decodeUTF8([0])": std.decodeUTF8([0]),
  "std.decodeUTF8([65, 195])": std.decodeUTF8([65, 195]),
  "std.decodeUTF8([226, 65, 66])": std.decodeUTF8([226, 65, 66]),
  "std.decodeUTF8([193, 129])": std.decodeUTF8([193, 129]),
  "std.decodeUTF8([128, 191])": std.decodeUTF8([128, 191]),
  "std.decodeUTF8([248, 65])": std.decodeUTF8([248, 65]),
  "std.decodeUTF8(std.encodeUTF8(\"round \u2603 trip\"))": std.decodeUTF8(std.encodeUTF8("round ☃ trip")),
}
