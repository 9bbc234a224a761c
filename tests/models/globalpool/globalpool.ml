# Global pooling: the largest value of each channel over all the steps of a series, and a
# regression head on it.
model GlobalPool
dtype float64
input  x[10, 2]
conv1d 3, kernel = 3, padding = same, sigmoid
global_maxpool1d
dense  2 -> u
target y[2]
loss   mse(u, y)
train  batch = 8
