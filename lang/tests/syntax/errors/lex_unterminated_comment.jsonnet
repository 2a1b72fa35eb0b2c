1 /* no end
