# A softmax classifier of class labels, for the finite-difference gradient check: the
# categorical cross-entropy on the logits, an l2 penalty, and the per-sample sum, max, logsumexp and
# softmax in the loss, with a value of one element per sample (max(p)) repeated over a
# vector (h). Batches of 64 rows or more are split between the workers.
model Classes
dtype float64
input  x[4]
dense  6, tanh, l2 = 0.01 -> h
dropout 0.1
dense  3, softmax -> p
target y[1]
loss   categorical_crossentropy(p, y) + 0.1 * mean(max(h) - logsumexp(h))
     + 0.05 * mean(sum(softmax(h) * h)) + 0.1 * mean(h * max(p))
metric accuracy, top_2_accuracy
train  batch = 80
