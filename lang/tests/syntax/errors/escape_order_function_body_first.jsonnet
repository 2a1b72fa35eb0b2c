function(x="\a") "\b"
