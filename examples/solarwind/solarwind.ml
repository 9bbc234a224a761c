# The tutorial's convolutional autoencoder for spacecraft magnetometer data: a window of
# 240 one-minute samples of (B_R, B_T, B_N) is squeezed through 32, 8 and 4 filters and
# rebuilt; windows the model cannot rebuild are anomalies.
model SolarWind
dtype float32

input  x[240, 3]                                  # 240 minutes × 3 field components
conv1d 32, kernel = 10, padding = same, relu
dropout 0.2
conv1d 8, kernel = 10, padding = same, relu
dropout 0.2
conv1d 4, kernel = 10, padding = same, relu
conv1d 3, kernel = 4, padding = same -> xhat      # the reconstruction, [240, 3]

loss   mse(xhat, x)
optimizer adam(lr = 1e-3)
train  epochs = 10, batch = 128, validation_split = 0.1, shuffle = true, early_stopping(patience = 5)
