@"abc
