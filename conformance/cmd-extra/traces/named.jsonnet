// The fields of an object read from a variable are named after it.
local ErrObj = { x: error 'foo' };
local WrapperObj = { y: ErrObj };
WrapperObj
