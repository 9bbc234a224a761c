# A small Burgers PINN whose interior points are drawn again by their residuals
# (resample = rad), for the tests of Residuals and Resample. Tiles of 8 points.
model RAD
dtype float64
input  x, t
dense  6, tanh
dense  1 -> u
const  nu = 0.01 / pi
points boundary(x, t; u_bd) = grid(x in [-1, 1] : 9, t = 0), u_bd = -sin(pi * x)
points interior(x, t) = sample(40, x in [-1, 1], t in [0, 1])
residual r = d(u, t) + u * d(u, x) - nu * d(u, x, x)
residual q = d(u, x) - t
loss 5 * mean(boundary, (u - u_bd)^2) + mean(interior, r^2 + q^2)
optimizer adam(lr = 1e-3, steps = 10)
train batch = 8, resample = rad(every = 2, k = 2, c = 0.5)
