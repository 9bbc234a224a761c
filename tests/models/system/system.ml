# Every construct of the PDE language at once, small, for the finite-difference checks: a
# periodic input with two harmonics, named components, coefficients (one positive), output
# transforms, a fourth-order and a mixed third-order derivative, integer powers (one negative),
# and named loss terms. A tile of 8 makes the sets straddle tiles.
model System
dtype float64
input    x, t
periodic x in [0, 2], harmonics = 2
dense    6, tanh
dense    2 -> a, b
param    k = 0.3, positive
param    c = -0.2
output   u = a * t + c
output   v = b
points   data(x, t; u_obs)
points   interior(x, t)
residual r1 = d(u, t) - k * d(u, x, x, x, x) + v^3
residual r2 = d(v, x, x, t) + c * (2 + u^2)^-2
loss 3 * mean(data, (u - u_obs)^2) as fit
   + mean(interior, r1^2 + r2^2) as pde
train batch = 8
