# The tutorial's dense classifier for the Wisconsin breast-cancer data:
# 30 measured features of a cell nucleus image -> probability that the tumour is benign.
model Cancer
dtype float32

input  x[30]                 # the 30 features of one sample
dense  20, tanh
dropout 0.2
dense  12, tanh
dropout 0.2
dense  4, tanh
dense  1, sigmoid -> p       # p = P(benign)

target y[1]                  # 1 = benign, 0 = malignant (sklearn's coding)
loss   binary_crossentropy(p, y)
metric binary_accuracy

optimizer adam(lr = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)
train epochs = 100, batch = 32, validation_split = 0.1, shuffle = true, seed = 1
