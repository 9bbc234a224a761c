# Periodic advection: u_t + u_x = 0 on x in [0, 2 pi] (periodic), t in [0, 1],
# u(x, 0) = sin(x). Exact solution: u = sin(x - t).
# Train it with:  mlc train examples/advection/advection.ml
model Advection
dtype float64

input    x, t
periodic x in [0, 2*pi]            # the network sees cos(x), sin(x): u is periodic in x exactly
repeat 4 { dense 32, tanh }
dense    1 -> u

points initial(x, t; u0) = grid(x in [0, 2*pi] : 200, t = 0), u0 = sin(x)
points interior(x, t)    = sample(4000, x in [0, 2*pi], t in [0, 1])

reference u = sin(x - t) on grid(x in [0, 2*pi] : 256, t in [0, 1] : 101)

residual r = d(u, t) + d(u, x)

loss 10 * mean(initial, (u - u0)^2) as initial
   + mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 1000) then bfgs(steps = 3000)
