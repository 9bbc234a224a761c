# Names that generated code also uses for its own identifiers and imports: each must
# get a suffix in the generated package, which must still compile (go vet ./... builds it).
model Names
dtype float64
input  total[3]
dense  4, tanh -> l
dense  3, sigmoid -> fmt
dense  3, tanh -> NumOutputs
dense  2 -> kernels
target mlrt[2]
loss   mse(kernels, mlrt) + 0.1 * mean(l) + 0.01 * mean(fmt)
train  batch = 8
