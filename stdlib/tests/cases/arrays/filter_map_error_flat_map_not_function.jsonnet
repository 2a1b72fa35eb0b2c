std.flatMap({}, [])
