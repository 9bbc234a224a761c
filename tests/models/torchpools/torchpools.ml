# Every pooling window PyTorch must reproduce, for the round trips of safetensors files
# (tests/torch_test.go), each where a window too many or too few would change the output:
# an average pool whose windows skip steps and leave the last ones out, a max pool whose
# windows overlap and leave the last step out, and a global average pool over what is left.
model TorchPools
dtype float64
input  x[19, 2]
conv1d 4, kernel = 3, padding = same, tanh
avgpool1d 2, stride = 3      # steps 0–1, 3–4, …, 15–16: 6 windows; 17 and 18 left out
conv1d 3, kernel = 1, tanh
maxpool1d 3, stride = 2      # steps 0–2 and 2–4: 2 windows; 5 left out
global_avgpool1d             # the mean of the 2
dense  2 -> u
target y[2]
loss   mse(u, y)
