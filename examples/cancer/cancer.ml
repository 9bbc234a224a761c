# The tutorial's dense classifier for the Wisconsin breast-cancer data:
# 30 measured features of a cell nucleus image -> probability that the tumour is benign.
# Train it with:  mlc train examples/cancer/cancer.ml
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

# sklearn's breast_cancer.csv: a first line of counts and class names, then 569 rows of 30
# features and the class; as in the tutorial, the last 10 rows are held out for the test.
data train = csv("data/breast_cancer.csv", skip = 1, rows = 0:559, x = 0:30, y = 30)
data test  = csv("data/breast_cancer.csv", skip = 1, rows = 559:569, x = 0:30, y = 30)

optimizer adam(lr = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)
train epochs = 100, batch = 32, validation_split = 0.1, shuffle = true, seed = 1
