{ [self.f]: 3, self.f: "g" }
