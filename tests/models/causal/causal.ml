# A small advection PINN whose interior points are weighed by time chunk (train causal),
# for the tests of CausalWeights. Tiles of 8 points.
model Causal
dtype float64
input  x, t
dense  6, tanh
dense  1 -> u
points initial(x, t; u0) = grid(x in [0, 1] : 9, t = 0), u0 = sin(pi * x)
points interior(x, t) = sample(40, x in [0, 1], t in [0, 2])
residual r = d(u, t) + 3 * d(u, x)
loss 10 * mean(initial, (u - u0)^2) + mean(interior, r^2)
optimizer adam(lr = 1e-3, steps = 4)
train batch = 8, causal(t, chunks = 4, epsilon = 2, every = 2)
