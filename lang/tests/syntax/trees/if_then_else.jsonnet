[if a then b, if a then b else c, if a then if b then c else d]
