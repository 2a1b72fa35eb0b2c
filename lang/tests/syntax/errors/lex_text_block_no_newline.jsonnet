local x = ||| x
  y
|||; x
