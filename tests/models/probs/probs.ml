# The categorical cross-entropy of one value per class (probabilities, not labels) on an
# output that is not a softmax: scaled to sum to 1 and clipped, as Keras does.
model Probs
dtype float64
input  x[3]
dense  5, softplus
dense  4, sigmoid -> q
target y[4]
loss   categorical_crossentropy(q, y)
metric accuracy
train  batch = 8
