# The tutorial's physics-informed network for the viscous Burgers equation
#     u_t + u u_x - (nu/pi) u_xx = 0,   x in [-1, 1], t in [0, 1],
#     u(x, 0) = -sin(pi x),  u(-1, t) = u(1, t) = 0,  nu = 0.01.
model Burgers
dtype float64

input  x, t
repeat 8 { dense 20, tanh }
dense  1 -> u

const nu = 0.01 / pi

points boundary(x, t; u_bd)      # t = 0 and x = +-1, where u is known
points interior(x, t)            # collocation points (Latin hypercube, multi-jittered)

residual r = d(u, t) + u * d(u, x) - nu * d(u, x, x)

loss 5 * mean(boundary, (u - u_bd)^2)
   + mean(boundary + interior, r^2)

optimizer adam(lr = 1e-3, steps = 1000) then lbfgs
train epochs = 10000, stop_when(rel_change < 1e-4, patience = 10)
