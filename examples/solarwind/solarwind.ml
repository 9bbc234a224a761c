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
const patience = 5                                # -set patience=1000 trains every epoch
train  epochs = 10, batch = 128, validation_split = 0.1, shuffle = true, early_stopping(patience = patience)

# For mlc train and mlc sweep: Wind's magnetic field (GSM, 1 min) on 10-12 May 2024, from the
# mission CDF; the model learns the 16 quiet hours before the storm's shock (16:37 UT on the
# 10th) and is tested on the rest. The Go program in this directory does the detection.
data train = series("data/wi_h0s_mfi_20240510.cdf", range = "/2024-05-10T16:00:00Z", standardize = true)
data test  = series("data/wi_h0s_mfi_20240510.cdf", range = "2024-05-10T16:00:00Z/")
