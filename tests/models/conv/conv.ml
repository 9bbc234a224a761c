# Convolutions of every kind, for the finite-difference gradient check: same padding with
# an even kernel, valid, stride 2 with valid and same, a 1-wide kernel, dropout.
model Conv
dtype float64
input  x[12, 2]
conv1d 4, kernel = 4, padding = same, tanh
dropout 0.1
conv1d 3, kernel = 3, stride = 2, padding = valid, softplus
conv1d 3, kernel = 3, stride = 2, padding = same, sigmoid
conv1d 2, kernel = 1 -> xhat
target y[3, 2]
loss   mse(xhat, y) + 0.1 * mae(xhat, y)
train  batch = 8
