# The Euler–Bernoulli beam, a fourth-order equation in x:
#     u_tt + u_xxxx = 0 on x in [0, 1], t in [0, 1],
#     u = u_xx = 0 at x = 0 and x = 1 (simply supported ends),
#     u(x, 0) = sin(pi x), u_t(x, 0) = 0.  Exact: u = sin(pi x) cos(pi^2 t).
# Train it with:  mlc train examples/beam/beam.ml
model Beam
dtype float64

input    x, t
features cos(pi * x), t            # the network sees x through cos(pi x): n is even about both ends
repeat 4 { dense 32, tanh }
dense    1 -> n

# sin(pi x) times a function even about x = 0 and x = 1 is odd about both ends, so u and all its
# even x-derivatives (u_xx) vanish there; the factor t^2 keeps u(x, 0) = sin(pi x) and
# u_t(x, 0) = 0. Every condition holds exactly, whatever n is: the loss is the equation alone.
output u = sin(pi * x) * (1 + t^2 * n)

points interior(x, t) = sample(3000, x in [0, 1], t in [0, 1])

reference u = sin(pi * x) * cos(pi^2 * t) on grid(x in [0, 1] : 101, t in [0, 1] : 101)

residual r = d(u, t, t) + d(u, x, x, x, x)

loss mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 2000) then bfgs(steps = 5000)
