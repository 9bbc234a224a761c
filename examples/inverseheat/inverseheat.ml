# An inverse problem: the heat equation u_t = k u_xx on x in [0, 1], t in [0, 1] with the
# diffusivity k unknown. The data are 1000 noisy measurements of the solution
# u = exp(-k pi^2 t) sin(pi x) for the true k = 0.1 (measurements.csv: Gaussian noise of 1 % of
# the data's root-mean-square value); training fits the network and k.
# Train it with:  mlc train examples/inverseheat/inverseheat.ml
model InverseHeat
dtype float64

input  x, t
repeat 4 { dense 32, tanh }
dense  1 -> u

param  k = 0.5, positive           # the unknown diffusivity, from a guess five times too large

points data(x, t; u_obs) = csv("measurements.csv")
points interior(x, t)    = sample(2000, x in [0, 1], t in [0, 1])

const  k_true = 0.1                # for the references only: training does not see them
reference k = k_true
reference u = exp(-k_true * pi^2 * t) * sin(pi * x) on grid(x in [0, 1] : 101, t in [0, 1] : 101)

residual r = d(u, t) - k * d(u, x, x)

loss mean(data, (u - u_obs)^2) as data
   + mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 2000) then lbfgs(steps = 3000)
