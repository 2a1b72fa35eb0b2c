["\a" for x in ["\c"]]
