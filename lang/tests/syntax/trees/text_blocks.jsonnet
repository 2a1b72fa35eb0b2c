local a = |||
  line one
    indented

  line three
|||;
local b = |||-
	tabbed
|||;
local c = |||  


    after blanks
  |||;
[a, b, c]
