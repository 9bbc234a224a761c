# The tutorial's physics-informed network for the viscous Burgers equation
#     u_t + u u_x - (nu/pi) u_xx = 0,   x in [-1, 1], t in [0, 1],
#     u(x, 0) = -sin(pi x),  u(-1, t) = u(1, t) = 0,  nu = 0.01.
# Train it with:  mlc train examples/burgers/burgers.ml
model Burgers
dtype float64

input  x, t
const  width = 20                  # mlc sweep -set 'width=10,20,40' tries others
repeat 8 { dense width, tanh }
dense  1 -> u

const nu = 0.01 / pi

# t = 0 and x = +-1, where u is known: -sin(pi x) is 0 at x = +-1 too
points boundary(x, t; u_bd) = grid(x in [-1, 1] : 100, t = 0)
                            + grid(x in {-1, 1}, t in [0.01, 1] : 100), u_bd = -sin(pi * x)
# collocation points: a Latin hypercube also stratified on a 100 x 50 grid
points interior(x, t) = sample(5000, x in [-1, 1], t in [0, 1])

# the exact (Cole-Hopf) solution on the tutorial's 256 x 100 grid
reference u = csv("burgers_exact.csv")

residual r = d(u, t) + u * d(u, x) - nu * d(u, x, x)

loss 5 * mean(boundary, (u - u_bd)^2)
   + mean(boundary + interior, r^2)

# Adam finds the basin; self-scaled BFGS (a dense inverse Hessian) goes down it, far further
# than L-BFGS; every 500 steps or iterations the interior points are drawn again where the
# residual is large. Rel. L2 at 60 s, seeds 1, 2, 3: 1.0e-6, 7.8e-7, 9.2e-7 (README.md)
optimizer adam(lr = 1e-3, steps = 1000) then bfgs(steps = 7000)
train resample = rad(every = 500)
