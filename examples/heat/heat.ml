# The heat equation u_t = k u_xx on x in [0, 1], t in [0, 1], k = 0.1, with
# u(x, 0) = sin(pi x) and u = 0 at both ends. Exact: u = exp(-k pi^2 t) sin(pi x).
# Train it with:  mlc train examples/heat/heat.ml
model Heat
dtype float64

input  x, t
repeat 4 { dense 32, tanh }
dense  1 -> u

const  k = 0.1

points initial(x, t; u0) = grid(x in [0, 1] : 101, t = 0), u0 = sin(pi * x)
points ends(x, t)        = grid(x in {0, 1}, t in [0, 1] : 101)
points interior(x, t)    = sample(2000, x in [0, 1], t in [0, 1])

reference u = exp(-k * pi^2 * t) * sin(pi * x) on grid(x in [0, 1] : 101, t in [0, 1] : 101)

residual r = d(u, t) - k * d(u, x, x)

loss mean(initial, (u - u0)^2) as initial
   + mean(ends, u^2) as ends
   + mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 2000) then bfgs(steps = 3000)
