# Convolutions whose padding PyTorch's Conv1d cannot give itself, for the PyTorch round
# trips of safetensors files (tests/torch_test.go): 'same' at stride 2 that pads one step on
# the right only (an nn.ConstantPad1d before the convolution), then 'same' with an even kernel.
model PadConv
dtype float64
input  x[6, 2]
conv1d 3, kernel = 3, stride = 2, padding = same, silu
conv1d 2, kernel = 2, padding = same -> xhat
target y[3, 2]
loss   mse(xhat, y)
train  batch = 8
