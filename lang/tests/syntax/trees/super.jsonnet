{ a: super.b, c: super["d"], e: super.f.g, h: super[i](j) }
