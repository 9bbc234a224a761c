# A convolutional classifier with every pooling window, for the finite-difference gradient
# check: a max pool whose windows overlap (3 steps, 2 apart), an average pool, flatten into
# a dense softmax head, dropout between, an l2 penalty on a kernel.
model Pools
dtype float64
input  x[12, 2]
conv1d 4, kernel = 3, padding = same, relu
maxpool1d 3, stride = 2
dropout 0.1
conv1d 3, kernel = 2, tanh, l2 = 0.05
avgpool1d 2
flatten
dense  3, softmax -> p
target y[1]
loss   categorical_crossentropy(p, y)
metric accuracy
train  batch = 8
