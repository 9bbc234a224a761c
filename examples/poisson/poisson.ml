# The Poisson equation in two dimensions, -(u_xx + u_yy) = 2 pi^2 sin(pi x) sin(pi y) on the
# unit square, u = 0 on its edges. Exact: u = sin(pi x) sin(pi y).
# Train it with:  mlc train examples/poisson/poisson.ml
model Poisson
dtype float64

input  x, y
repeat 4 { dense 32, tanh }
dense  1 -> u

points edges(x, y)    = grid(x in [0, 1] : 101, y in {0, 1}) + grid(x in {0, 1}, y in [0, 1] : 101)
points interior(x, y) = sample(2000, x in [0, 1], y in [0, 1])

reference u = sin(pi * x) * sin(pi * y) on grid(x in [0, 1] : 101, y in [0, 1] : 101)

residual r = d(u, x, x) + d(u, y, y) + 2 * pi^2 * sin(pi * x) * sin(pi * y)

loss mean(edges, u^2) as edges
   + mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 2000) then bfgs(steps = 3000)
