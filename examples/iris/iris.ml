# Fisher's iris: 150 flowers, 4 measurements (sepal length and width, petal length and
# width, cm), 3 species. A softmax classifier, judged by 5-fold cross-validation: the rows
# are dealt into 5 folds with each species in its share (the file is sorted by species),
# and the model is trained afresh on four folds and scored on the fifth, five times.
# Train it with:  mlc train examples/iris/iris.ml
model Iris
dtype float32

input  x[4]
dense  16, relu
dense  3, softmax -> p       # P(setosa), P(versicolor), P(virginica)

target y[1]                  # the species: 0 setosa, 1 versicolor, 2 virginica
loss   categorical_crossentropy(p, y)
metric accuracy

# iris.csv: a first line of counts and species names, then 150 rows of 4 measurements and
# the species.
data train = csv("data/iris.csv", skip = 1, x = 0:4, y = 4, standardize = true)

optimizer adam(lr = 0.01)
train epochs = 100, batch = 16, shuffle = true, seed = 1, folds = 5
