# Several inputs and several targets: a row of x holds a, b and v one after another,
# a row of y holds y and z. The inputs also appear in the loss.
model Multi
dtype float64
input  a, b
input  v[3]
dense  5, tanh
dense  2 -> u
dense  1 -> w
target y[2]
target z[1]
loss   mse(u, y) + mae(w, z) + 0.1 * mean(b * w) - 0.2 * mean(v) * 0.5
train  batch = 80
