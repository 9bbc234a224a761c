# Kovasznay flow: steady incompressible Navier–Stokes at Re = 20 on [-0.5, 1] x [-0.5, 1.5],
#     u u_x + v u_y + p_x - (u_xx + u_yy)/Re = 0
#     u v_x + v v_y + p_y - (v_xx + v_yy)/Re = 0
#     u_x + v_y = 0
# with the exact (Kovasznay 1948) velocities on the boundary and the pressure at the outlet.
model Kovasznay
dtype float64

input  x, y
repeat 4 { dense 50, tanh }
dense  3 -> u, v, p                # three fields from one network

const  Re = 20

points boundary(x, y; u_b, v_b)    # the four edges: the exact velocities
points outlet(x, y; p_b)           # x = 1: the exact pressure (fixes its constant)
points interior(x, y)              # collocation points

residual momentum_x = u * d(u, x) + v * d(u, y) + d(p, x) - (d(u, x, x) + d(u, y, y)) / Re
residual momentum_y = u * d(v, x) + v * d(v, y) + d(p, y) - (d(v, x, x) + d(v, y, y)) / Re
residual continuity = d(u, x) + d(v, y)

loss mean(boundary, (u - u_b)^2 + (v - v_b)^2) as boundary
   + mean(outlet, (p - p_b)^2) as outlet
   + mean(interior, momentum_x^2 + momentum_y^2) as momentum
   + mean(interior, continuity^2) as continuity

optimizer adam(lr = 1e-3, steps = 2000) then lbfgs(steps = 5000)
