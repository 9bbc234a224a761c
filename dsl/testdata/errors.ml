# Each line with an ERROR comment (the word ERROR and a quoted regexp) must have exactly one error whose message
# matches the regexp; no other line may have errors (see TestParseErrorsInline).
model Errors
dtype float64
input x[0], w[3]                 # ERROR "expected a dimension \(a positive integer\), found '0'"
dense 20 tanh                    # ERROR "expected ',', '->' or end of line, found 'tanh'"
dense 20, tanh -> h extra        # ERROR "expected end of line, found 'extra'"
dropout 0.2 @                    # ERROR "found illegal character \"@\""
repeat 3 {
  dense 4,                       # ERROR "expected an expression, found end of line"
  dense 4, relu
}
repeat {                         # ERROR "expected an expression, found '{'"
target y[1]
loss mse(h, y) + * 2             # ERROR "expected an expression, found '\*'"
  + f(a b)                       # an error in the line before covers this continuation
metric mse
optimizer adam(lr = 1) then sgd
train epochs = 3, early_stopping(patience = 5
  , restore_best = true) seed    # ERROR "expected end of line, found 'seed'"
