# A weighted sum of loss terms: mse and mae of a linear output.
model Regress
dtype float64
input  x[3]
dense  6, tanh
dropout 0.1
dense  2 -> u
target y[2]
loss   mse(u, y) + 0.5 * mae(u, y) - 0.1 * mean(u)
train  batch = 8
