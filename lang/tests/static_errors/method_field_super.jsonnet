{ f(x, x): super.b }
