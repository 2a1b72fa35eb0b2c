// issue 13: a `%` width beyond any allocation panicked with "capacity
// overflow" (exit 101). A width no string can have is a clean error.
// expect: error RUNTIME ERROR:
"%99999999999999999999d" % [1]
