# The wave equation u_tt = c^2 u_xx on x in [0, 1], t in [0, 1], c = 1, a string fixed at both
# ends, released at rest from u(x, 0) = sin(pi x). Exact: u = sin(pi x) cos(pi t).
# Train it with:  mlc train examples/wave/wave.ml
model Wave
dtype float64

input  x, t
repeat 4 { dense 32, tanh }
dense  1 -> u

const  c = 1

points initial(x, t; u0) = grid(x in [0, 1] : 101, t = 0), u0 = sin(pi * x)
points ends(x, t)        = grid(x in {0, 1}, t in [0, 1] : 101)
points interior(x, t)    = sample(2000, x in [0, 1], t in [0, 1])

reference u = sin(pi * x) * cos(pi * t) on grid(x in [0, 1] : 101, t in [0, 1] : 101)

residual r = d(u, t, t) - c^2 * d(u, x, x)

loss mean(initial, (u - u0)^2 + d(u, t)^2) as initial
   + mean(ends, u^2) as ends
   + mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 2000) then bfgs(steps = 3000)
