# Every activation in one stack, for the finite-difference gradient check.
model Activations
dtype float64
input  x[5]
dense  4, tanh
dense  4, sigmoid
dense  4, relu
dense  4, softplus
dense  4, sin
dense  4, silu
dense  3 -> u
target y[3]
loss   mse(u, y) + 0.1 * mean(silu(u))
train  batch = 8
