local total(items) = std.foldl(function(acc, x) acc + x.n, items, 0);
{ sum: total([{ n: 1 }, { m: 2 }]) }
