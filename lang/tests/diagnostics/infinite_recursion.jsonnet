local a = { x: self.y, y: self.x };
a.x
