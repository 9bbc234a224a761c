# Kovasznay flow: steady incompressible Navier–Stokes at Re = 20 on [-0.5, 1] x [-0.5, 1.5],
#     u u_x + v u_y + p_x - (u_xx + u_yy)/Re = 0
#     u v_x + v v_y + p_y - (v_xx + v_yy)/Re = 0
#     u_x + v_y = 0
# with the exact (Kovasznay 1948) velocities on the boundary and the pressure at the outlet:
#     u = 1 - exp(lambda x) cos(2 pi y),  v = lambda/(2 pi) exp(lambda x) sin(2 pi y),
#     p = (1 - exp(2 lambda x))/2,        lambda = Re/2 - sqrt(Re^2/4 + 4 pi^2).
# Train it with:  mlc train examples/kovasznay/kovasznay.ml
model Kovasznay
dtype float64

input  x, y
repeat 4 { dense 50, tanh }
dense  3 -> u, v, p                # three fields from one network

const  Re = 20
const  lambda = Re/2 - (Re^2/4 + 4*pi^2)^0.5

# the four edges, with the exact velocities
points boundary(x, y; u_b, v_b) = grid(x in [-0.5, 1] : 101, y in {-0.5, 1.5})
                                + grid(x in {-0.5, 1}, y in [-0.5, 1.5] : 101)
                                , u_b = 1 - exp(lambda * x) * cos(2*pi * y)
                                , v_b = lambda / (2*pi) * exp(lambda * x) * sin(2*pi * y)
# x = 1, with the exact pressure (it fixes the pressure's constant)
points outlet(x, y; p_b) = grid(x = 1, y in [-0.5, 1.5] : 101), p_b = (1 - exp(2 * lambda * x)) / 2
points interior(x, y)    = sample(2500, x in [-0.5, 1], y in [-0.5, 1.5])

reference u = 1 - exp(lambda * x) * cos(2*pi * y)               on grid(x in [-0.5, 1] : 101, y in [-0.5, 1.5] : 101)
reference v = lambda / (2*pi) * exp(lambda * x) * sin(2*pi * y) on grid(x in [-0.5, 1] : 101, y in [-0.5, 1.5] : 101)
reference p = (1 - exp(2 * lambda * x)) / 2                     on grid(x in [-0.5, 1] : 101, y in [-0.5, 1.5] : 101)

residual momentum_x = u * d(u, x) + v * d(u, y) + d(p, x) - (d(u, x, x) + d(u, y, y)) / Re
residual momentum_y = u * d(v, x) + v * d(v, y) + d(p, y) - (d(v, x, x) + d(v, y, y)) / Re
residual continuity = d(u, x) + d(v, y)

loss mean(boundary, (u - u_b)^2 + (v - v_b)^2) as boundary
   + mean(outlet, (p - p_b)^2) as outlet
   + mean(interior, momentum_x^2 + momentum_y^2) as momentum
   + mean(interior, continuity^2) as continuity

optimizer adam(lr = 1e-3, steps = 2000) then bfgs(steps = 5000)
