# An inverse problem: the heat equation u_t = k u_xx on x in [0, 1], t in [0, 1] with the
# diffusivity k unknown. The data are 1000 noisy measurements of the solution
# u = exp(-k pi^2 t) sin(pi x) for the true k = 0.1; training fits the network and k.
model InverseHeat
dtype float64

input  x, t
repeat 4 { dense 32, tanh }
dense  1 -> u

param  k = 0.5, positive           # the unknown diffusivity, from a guess five times too large

points data(x, t; u_obs)           # the measurements
points interior(x, t)              # collocation points for the equation

residual r = d(u, t) - k * d(u, x, x)

loss mean(data, (u - u_obs)^2) as data
   + mean(interior, r^2) as pde

optimizer adam(lr = 1e-3, steps = 2000) then lbfgs(steps = 3000)
