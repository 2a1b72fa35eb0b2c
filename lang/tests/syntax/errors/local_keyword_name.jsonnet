local if = 1; 2
