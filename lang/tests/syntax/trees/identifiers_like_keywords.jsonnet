[selfish, inx, importstr_, iff, nullable, true_, _, forx, superb, local_]
