local x = self.y;
x
