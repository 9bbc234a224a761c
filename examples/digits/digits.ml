# Handwritten digits (scikit-learn's copy of the UCI optdigits test set: 1797 images of 8×8
# pixels, values 0–16, classes 0–9): a dense softmax classifier.
# Train it with:  mlc train examples/digits/digits.ml
model Digits
dtype float32

input  x[64]                 # the 64 pixels, row by row
dense  512, relu
dropout 0.3
dense  10 -> z               # the logits
output p = softmax(z)        # p[k] = P(the digit is k): what Predict gives

target y[1]                  # the digit, 0–9
# The categorical cross-entropy with label smoothing 0.2, written out: against targets
# 0.8·onehot(y) + 0.2/10, −Σ target·log softmax(z) is 0.8·CE(y) + 0.2·(logsumexp(z) − Σz/10).
loss   0.8 * categorical_crossentropy(p, y) + 0.2 * mean(logsumexp(z) - sum(z) / 10)
metric accuracy

# digits.csv.gz: no header, 65 integers a line (the pixels, then the class). The last 20 %
# (360 images, from writers the first 80 % does not have) is the test set, never trained on.
# augment: each time a training image is drawn it moves by up to a pixel along each axis, so
# the network learns that a digit written a pixel aside is the same digit.
data train = csv("data/digits.csv.gz", rows = 0:1437, x = 0:64, y = 64, augment = shift(1, rows = 8))
data test  = csv("data/digits.csv.gz", rows = 1437:1797, x = 0:64, y = 64)

optimizer adamw(lr = 1e-3, weight_decay = 0.01, schedule = cosine(warmup = 5))
train epochs = 200, batch = 32, shuffle = true, seed = 1
