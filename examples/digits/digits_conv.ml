# Handwritten digits (see digits.ml) read as a series: each image's 8 rows are 8 steps of
# 8 channels (a row's pixels). Convolutions over the rows, a max pool, flatten, and a
# dense softmax head.
# Train it with:  mlc train examples/digits/digits_conv.ml
model DigitsConv
dtype float32

input  x[8, 8]               # 8 rows (steps) of 8 pixels (channels)
conv1d 64, kernel = 3, padding = same, relu
maxpool1d 2                  # 4 steps
conv1d 128, kernel = 3, padding = same, relu
flatten                      # 4 × 128 = 512 values
dropout 0.5
dense  10 -> z               # the logits
output p = softmax(z)

target y[1]
# The categorical cross-entropy with label smoothing 0.2, as in digits.ml.
loss   0.8 * categorical_crossentropy(p, y) + 0.2 * mean(logsumexp(z) - sum(z) / 10)
metric accuracy

data train = csv("data/digits.csv.gz", rows = 0:1437, x = 0:64, y = 64, augment = shift(1))  # as in digits.ml
data test  = csv("data/digits.csv.gz", rows = 1437:1797, x = 0:64, y = 64)

optimizer adamw(lr = 1e-3, weight_decay = 0.01, schedule = cosine(warmup = 5))
train epochs = 300, batch = 32, shuffle = true, seed = 1
