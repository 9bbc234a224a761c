# Binary cross-entropy on an output that is not a sigmoid: Keras' clipped form.
model BCEClip
dtype float64
input  x[4]
dense  3, tanh
dense  2, softplus -> p
target y[2]
loss   binary_crossentropy(p, y)
train  batch = 8
