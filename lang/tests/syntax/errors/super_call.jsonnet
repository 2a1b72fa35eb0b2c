{ a: super(1) }
