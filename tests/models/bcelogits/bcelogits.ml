# Binary cross-entropy on a sigmoid output (computed from the logit) with dropout.
model BCELogits
dtype float64
input  x[6]
dense  5, tanh
dropout 0.3
dense  1, sigmoid -> p
target y[1]
loss   binary_crossentropy(p, y)
train  batch = 8
