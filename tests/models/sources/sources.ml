# Every source of points and every kind of reference, for the tests of MakePoints and
# References: a grid with a fixed coordinate and one with listed values, a sample fixed in
# one coordinate, a CSV file read in part, known values as closed forms, a closed-form
# reference on a grid, a CSV reference and a param's true value.
model Sources
dtype float32
input  x, t
dense  4, tanh
dense  1 -> u
param  k = 0.5, positive
const  w = 2
points initial(x, t; u0) = grid(x in [-1, 1] : 5, t = 0), u0 = -sin(pi * x) + w^2
points walls(x, t)       = grid(x in {-1, 1}, t in [0, 1] : 3) + sample(4, x = 0.5, t in [0, 1], method = uniform)
points data(x, t; u_obs) = csv("data.csv", rows = 3)
points interior(x, t)    = sample(6, x in [-1, 1], t in [0, 1])
reference u = exp(-t) * cos(w * x) on grid(x in [0, 1] : 3, t in [0, 1] : 2)
reference k = 0.25
residual r = d(u, t) - k * d(u, x, x)
loss mean(initial, (u - u0)^2) + mean(walls, u^2) + mean(data, (u - u_obs)^2) + mean(interior, r^2)
